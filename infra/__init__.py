"""Infrastructure the rules stand on but do not decide: configuration, paths, migrations, job
bookkeeping, QR images. Imports models only (never services, handlers or wechat)."""
