"""Local fakes of the platforms ogpbot talks to, served on loopback for tests and benchmarks."""
