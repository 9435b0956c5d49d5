-- The language a user chose for the web application ('en', 'zh'); NULL follows the browser.
ALTER TABLE users ADD COLUMN language TEXT;
