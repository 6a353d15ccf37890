// Package deploy holds no code: its tests keep the deployment files in this
// directory honest. Every YAML file parses; every example TOML config loads
// through the loader of the component it configures; the Kubernetes
// workloads probe the ports their configs listen on; the compose
// healthchecks ask real endpoints; the production configs agree with each
// other on chains, genesis hashes, ports and services.
package deploy
