// Client configuration. Point baseUrl at your server; `make run` serves http://127.0.0.1:5000.
// In WeChat DevTools tick "不校验合法域名" (do not verify domains) to use a local http address.
module.exports = {
  // Base URL of the JSON API (no trailing slash).
  baseUrl: 'http://127.0.0.1:5000/api/v1',
  // Show the demo-login panel on the 我的 page even before the server says it is in demo mode.
  // Set to false for production builds; the server refuses demo login (403) outside demo mode anyway.
  demo: true,
  // Request timeout in milliseconds.
  timeout: 15000,
  // Delay before retrying a request that failed at the network level.
  retryDelayMs: 800,
  // Hours after logging during which a member may still edit or delete a log (the server's
  // commitments.log_edit_window_hours; the server decides, this only hides stale buttons).
  logEditWindowHours: 24,
  // Treat a token as expired this many seconds before its real expiry.
  tokenSkewSeconds: 60,
}
