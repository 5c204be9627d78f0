"""The public web app: the LINE webhook, public report pages, signed report downloads, the health check."""
