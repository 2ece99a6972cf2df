"""The embedded Personalize engine: recipes trained here, offline metrics, the API."""
