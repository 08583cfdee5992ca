-- culpa case database, schema version 1. Documented in docs/case-layout.md.
-- One row per distinct content (SHA-256); every path it was found at is in provenance.
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS documents (
    id            INTEGER PRIMARY KEY,
    sha256        TEXT NOT NULL UNIQUE,      -- hex; the original is blobs/ab/cd/<sha256>
    size          INTEGER NOT NULL,          -- bytes
    mime          TEXT NOT NULL,             -- detected from content, not the name
    type          TEXT NOT NULL,             -- short family: pdf, image, docx, html, text, email, zip, tar, unknown
    status        TEXT NOT NULL,             -- 'ok', 'error' or 'partial' (a budget stopped it)
    error_kind    TEXT,                      -- an ErrorKind when status = 'error'
    error_message TEXT,
    extractor     TEXT,                      -- which extractor read it
    metadata      TEXT NOT NULL DEFAULT '{}', -- JSON object of strings
    page_count    INTEGER NOT NULL DEFAULT 0,
    complete      INTEGER NOT NULL DEFAULT 0, -- 1 once it and all its children are committed
    ingested_at   TEXT NOT NULL              -- UTC ISO-8601
);

CREATE TABLE IF NOT EXISTS provenance (
    path        TEXT PRIMARY KEY,            -- e.g. 'leak.zip!/2017/电报.pdf'
    document_id INTEGER NOT NULL REFERENCES documents(id),
    parent_path TEXT,                        -- the container's provenance path, NULL at top level
    size        INTEGER,                     -- top-level files: size and mtime seen, for fast re-runs
    mtime_ns    INTEGER
);
CREATE INDEX IF NOT EXISTS provenance_document ON provenance(document_id);
CREATE INDEX IF NOT EXISTS provenance_parent ON provenance(parent_path);

CREATE TABLE IF NOT EXISTS pages (
    id             INTEGER PRIMARY KEY,      -- also the rowid in page_index
    document_id    INTEGER NOT NULL REFERENCES documents(id),
    number         INTEGER NOT NULL,         -- 1-based
    text           TEXT NOT NULL,            -- spans are character offsets into this
    language       TEXT,                     -- e.g. zh-Hans, zh-Hant, en, ug, und
    method         TEXT NOT NULL,            -- 'text' (text layer) or 'ocr'
    ocr_engine     TEXT,
    ocr_confidence REAL,
    width          REAL,                     -- page units: PDF points or image pixels
    height         REAL,
    UNIQUE (document_id, number)
);

-- Word boxes, kept apart so page scans stay small.
-- JSON array of [x0, y0, x1, y1, start, end, confidence]; start/end index pages.text.
CREATE TABLE IF NOT EXISTS page_words (
    page_id INTEGER PRIMARY KEY REFERENCES pages(id),
    words   TEXT NOT NULL
);

-- Full-text index over a folded, CJK-bigrammed form of pages.text (see culpa/index/tokens.py).
-- Contentless: the text itself lives in pages.
CREATE VIRTUAL TABLE IF NOT EXISTS page_index USING fts5(
    tokens, content = '', tokenize = 'unicode61 remove_diacritics 0'
);
-- Merge 16 segments at a time, not 4: each commit of an ingest adds a segment, and
-- wider merges rewrite the index fewer times (FTS5 insert CPU -28 %, same query speed).
INSERT INTO page_index (page_index, rank) VALUES ('automerge', 16);

-- Every file that failed, by the path it was found at.
CREATE TABLE IF NOT EXISTS errors (
    path        TEXT PRIMARY KEY,
    sha256      TEXT,                        -- NULL when the file could not even be read
    kind        TEXT NOT NULL,
    message     TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS errors_kind ON errors(kind);

-- Analysis: which analyzer, at which version, has run on which document (`culpa analyze`,
-- culpa/analysis/), and what it found. A document's findings of one analyzer and its run
-- row are committed together. culpa/store/analysis.py creates these tables in cases made
-- before they existed.
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

-- Pages read again by `culpa ocr` and the OCR settings they were read with (JSON of
-- languages and engine), written in the page's own transaction: a re-run skips them.
-- culpa/ingest/reocr.py creates it in cases made before it existed.
CREATE TABLE IF NOT EXISTS ocr_runs (
    page_id  INTEGER PRIMARY KEY REFERENCES pages(id),
    settings TEXT NOT NULL,
    done_at  TEXT NOT NULL
);

-- Tables found in documents (CSV, TSV, JSON records, sheets, SQLite tables). Their rows
-- are page text, one row per line with cells joined by tabs; these say what the columns
-- are called and which row each line of a page is. culpa/store/tables.py creates them in
-- cases made before they existed.
CREATE TABLE IF NOT EXISTS tables (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    number      INTEGER NOT NULL,            -- 1-based, in the file's order
    name        TEXT NOT NULL,               -- a sheet's or SQLite table's name, a CSV's file name
    columns     TEXT NOT NULL,               -- JSON array of the column names, in order
    UNIQUE (document_id, number)
);

CREATE TABLE IF NOT EXISTS table_pages (
    page_id   INTEGER PRIMARY KEY REFERENCES pages(id),
    table_id  INTEGER NOT NULL REFERENCES tables(id),
    first_row INTEGER NOT NULL,              -- the lowest and highest row number on the page,
    last_row  INTEGER NOT NULL,              -- so a cited row's page is found by the index
    rows      TEXT NOT NULL                  -- JSON array: the row number of each line of the page
);
CREATE INDEX IF NOT EXISTS table_pages_rows ON table_pages(table_id, first_row);

-- Annotations: what people add in `culpa serve` (culpa/store/annotations.py runs this part
-- on cases made before it existed, so it must stay last). An ingest never touches them.
CREATE TABLE IF NOT EXISTS stars (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id),
    starred_at  TEXT NOT NULL                -- UTC ISO-8601
);

CREATE TABLE IF NOT EXISTS tags (
    document_id INTEGER NOT NULL REFERENCES documents(id),
    tag         TEXT NOT NULL COLLATE NOCASE, -- free text, as typed (Latin case ignored)
    tagged_at   TEXT NOT NULL,
    PRIMARY KEY (document_id, tag)
);
CREATE INDEX IF NOT EXISTS tags_tag ON tags(tag);

CREATE TABLE IF NOT EXISTS notes (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    page        INTEGER,                     -- NULL for a note on the whole document
    span_start  INTEGER,                     -- character span in pages.text; NULL without a passage
    span_end    INTEGER,
    quote       TEXT,                        -- the passage, as it read when the note was made
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_document ON notes(document_id);
