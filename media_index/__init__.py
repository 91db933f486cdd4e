"""The library's search engine (Whoosh): schema, analyzers, indexer and searcher.

It does not import Flask: the web layer, the indexer worker and the CLI use it
alike. See docs/SEARCH.md. The names most callers need:

- writing: `Indexer` (apply / sync / batch / upsert / delete / mark_applied),
  `Upsert`, `Delete`, `rebuild`, `status`, `ensure_index`, `IndexBusy`;
- reading: `Searcher` (search / suggest_titles / refresh), `Allowed`,
  `SearchResult`, `Hit`, `Moment`, `TitleSuggestion`;
- subtitles: `media_index.transcripts` (read_subtitles, parse, to_webvtt, TranscriptError),
  reading files with `media_index.webvtt` (the spec's parser), `srt` and `cuetext`.
"""
