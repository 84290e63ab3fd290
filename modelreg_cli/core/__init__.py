"""Pure domain: manifests, names, URIs and the rules of every change. No I/O."""
