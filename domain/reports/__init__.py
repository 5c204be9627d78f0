"""The reports the municipality publishes: the progress report of a round (Word, Excel, CSV) and the
complaint statistics of a fiscal year (Word, Excel). Pure: plain facts in, a document model and file bytes
out; the storage layer gathers the facts and the web app serves the files."""
