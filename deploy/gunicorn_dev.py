"""gunicorn settings for `make run`: threads so that long-poll _changes of live tablets do not
starve other requests; production settings live in deploy/production/."""
worker_class = "gthread"
workers = 2
threads = 16
timeout = 120
graceful_timeout = 5
accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
