-- Step 8. The findings on one page, found without reading the rest of its document's: the
-- search page counts the people, organisations, places and speakers on a sample of about
-- 1,000 matching pages (culpa/store/sqlite/entity_pages.py). Through findings_document a
-- page's lookup read every finding of its document (a page of a 500-page PDF read the whole
-- PDF's), 120,000 rows for 1,000 pages of ten-page documents where 11,000 are on them.
CREATE INDEX IF NOT EXISTS findings_page ON findings(document_id, page);
