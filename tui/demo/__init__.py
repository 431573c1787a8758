"""The demo: a live copy of the bundled sample state, a loopback fleet and a simulated crew."""
