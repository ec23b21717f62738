"""The read side: the one public read model (wall, board, card, overview) and the figures behind
group summaries and reports. Reads decide nothing; they return facts for the channels to word."""
