"""The LLMTR gateway layer: model spec, HTTP client and emulator. No Django here."""
