"""The `tradewh` application: the command line that drives the library (`warehouse/`) and the orchestration
(`orchestration/`). It sits above both; `warehouse/` never imports it or `orchestration/`."""
