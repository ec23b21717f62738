"""The official-account bot: the command registry (``registry``), the commands
(``commands``) and the exactly-once inbound handling (``inbound``)."""
