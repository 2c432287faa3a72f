"""The journal: what the mock recorded and refused, in one SQLite file every worker shares.

    store             Journal: events in, events out, the newest --max-events kept
    rejections        the refused requests and why, in the same file, apart
    shared            a setting every worker follows at once (the faults of PUT /__mock/faults)
    har               the events as HAR 1.2, for GET /__mock/events.har and --replay
    files             the file itself: made private, never through a link; one
                      connection per thread

Nothing here knows HTTP; the app hands in values and reads values back.
"""
