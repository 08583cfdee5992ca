-- Step 4. The version of culpa/index/tokens.py that page_index was built with. Cases
-- indexed before it was recorded were all built with version 1; when this culpa's
-- TOKENS_VERSION is higher, opening the case rebuilds the index (migrations/__init__.py).
INSERT OR IGNORE INTO meta(key, value) VALUES ('tokens_version', '1');
