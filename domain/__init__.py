"""The domain: ITA plans, progress and complaints, free of web, LINE and database types."""
