-- Step 2. Analysis: which analyzer, at which version, has run on which document
-- (`culpa analyze`, culpa/analysis/), and what it found. A document's findings of one
-- analyzer and its run row are committed together.
CREATE TABLE IF NOT EXISTS analysis_runs (
    document_id   INTEGER NOT NULL REFERENCES documents(id),
    analyzer      TEXT NOT NULL,             -- the analyzer's name, e.g. 'threads'
    version       INTEGER NOT NULL,          -- the analyzer's version it ran at
    status        TEXT NOT NULL,             -- 'ok' or 'error'
    error_kind    TEXT,                      -- an ErrorKind when status = 'error'
    error_message TEXT,
    done_at       TEXT NOT NULL,             -- UTC ISO-8601
    PRIMARY KEY (document_id, analyzer)
);

CREATE TABLE IF NOT EXISTS findings (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    analyzer    TEXT NOT NULL,
    label       TEXT NOT NULL,               -- what was found: 'thread', 'parent', ...
    page        INTEGER,                     -- NULL for a finding about the whole document
    span_start  INTEGER,                     -- character span in pages.text; NULL without one
    span_end    INTEGER,
    value       TEXT NOT NULL                -- JSON
);
CREATE INDEX IF NOT EXISTS findings_document ON findings(document_id, analyzer);
-- Every document with a given value (all messages of a thread, all mentions of a name).
CREATE INDEX IF NOT EXISTS findings_value ON findings(analyzer, label, value);
-- A page read again (`culpa ocr`) or a document stored anew (a re-run with a password)
-- makes its findings point at text that is gone: they are forgotten in the same
-- transaction, and the next `culpa analyze` analyses the document again.
CREATE TRIGGER IF NOT EXISTS pages_text_changed AFTER UPDATE OF text ON pages BEGIN
    DELETE FROM findings WHERE document_id = OLD.document_id;
    DELETE FROM analysis_runs WHERE document_id = OLD.document_id;
END;
CREATE TRIGGER IF NOT EXISTS pages_deleted AFTER DELETE ON pages BEGIN
    DELETE FROM findings WHERE document_id = OLD.document_id;
    DELETE FROM analysis_runs WHERE document_id = OLD.document_id;
END;
