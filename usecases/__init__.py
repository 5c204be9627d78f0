"""The application layer: one module per use case, each a function (or small class) that takes a unit of
work and plain arguments and returns plain results. The LINE handlers, the admin console, the CLI and the
scheduler's jobs are thin adapters over these: they parse their input, call one use case and present the
result. Queries live in the repositories (`storage/`); texts in `texts/`; LINE message shapes in `views/`."""
