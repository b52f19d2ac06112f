"""The REST API under /api/v1/: personal tokens, the partnership each request works in, read endpoints, problem
details and the OpenAPI schema. Everything here reads through the same scoped managers and permission rules as the
pages (plans.partnerships, monitoring.permissions); nothing here decides a rule of its own."""
