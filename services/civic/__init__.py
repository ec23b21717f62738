"""Residents' side of the ledger: 雷锋文明存折 (book), 积分兑换 (exchange) and 议事 (agenda).

Import the modules (``from services.civic import book, exchange, agenda``)."""
