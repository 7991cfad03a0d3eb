"""Running builds where users run them: Ray job submission (`kg submit`, `kg jobs`), the nightly
run (`kg nightly`) and the entry points that `ray job submit` and the infra manifests call."""
