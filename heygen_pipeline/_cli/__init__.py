"""The command line's private parts: output, commands, demo (see ``heygen_pipeline.cli``)."""
