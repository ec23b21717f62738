"""The outbox's sending side: the dispatcher that claims queued messages and the senders that
deliver them through WeChat and WeCom. Services only enqueue; this package sends."""
