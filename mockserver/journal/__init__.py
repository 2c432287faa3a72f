"""The journal: what the mock recorded and refused, in SQLite files every worker shares.

    store             Journal: events in, events out, merged across processes on read
    rejections        the refused requests and why, in the same files, apart
    har               the events as HAR 1.2, for GET /__mock/events.har and --replay
    shards            the files: one shard per writing process, the shared id counter
    group_commit      a process's threads share one commit; the lock a writer holds

Nothing here knows HTTP; the app hands in values and reads values back.
"""
