-- Step 3. Tables found in documents (CSV, TSV, JSON records, sheets, SQLite tables).
-- Their rows are page text, one row per line with cells joined by tabs; these say what
-- the columns are called and which row each line of a page is.
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
