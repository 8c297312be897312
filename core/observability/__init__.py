"""Operations machinery with no domain meaning: request ids and log context (`context`), the log
formats (`logging`), per-request measurements (`middleware`), Prometheus metrics (`metrics`,
`multiproc`), health checks (`health`) and the views that serve them (`views`)."""
