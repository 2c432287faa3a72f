"""mockserver.journal.shards: the files beside a journal, the claim on a slot, the id counter."""

import os

from mockserver.journal.shards import IdCounter, claim_slot, journal_files, shard_slots


def test_a_claim_takes_the_lowest_free_slot_and_frees_it_when_closed(tmp_path):
    journal = tmp_path / "j.sqlite3"
    first, second = claim_slot(journal), claim_slot(journal)
    assert (first[0], second[0]) == (0, 1)
    os.close(first[1])
    third = claim_slot(journal)
    assert third[0] == 0 and shard_slots(journal) == [0, 1]
    os.close(second[1])
    os.close(third[1])


def test_ids_are_consecutive_and_never_fall(tmp_path):
    counter = IdCounter(tmp_path / "j.sqlite3")
    try:
        assert counter.take(3) == 1 and counter.take(1) == 4
        counter.raise_to(2)
        with counter.frozen() as last:
            assert last == 4
        counter.raise_to(10)
        assert counter.take(1) == 11
    finally:
        counter.close()
    reopened = IdCounter(tmp_path / "j.sqlite3")
    assert reopened.take(1) == 12  # kept in the file
    reopened.close()


def test_the_journal_files_are_its_own_and_no_others(tmp_path):
    own = ["j.db", "j.db-wal", "j.db.lock", "j.db.ids", "j.db.events-0", "j.db.events-12-shm"]
    own += ["j.db.events-0.lock", "j.db.events-0.claim"]
    others = ["j.db2", "xj.db", "j.db.events-", "j.db.events-a", "j.db.ids.bak", "j.dbXids"]
    for name in own + others:
        (tmp_path / name).touch()
    assert sorted(path.name for path in journal_files(tmp_path / "j.db")) == sorted(own)
    assert journal_files(tmp_path / "missing" / "j.db") == []
