"""WeChat plumbing only: callback verification and crypto, API clients with shared token
storage, outbox senders, the menu. No business rules live here."""
