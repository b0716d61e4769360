// Package deploy holds no code: its tests check that the deployment files
// (the Dockerfile, docker-compose.yml and deploy/ecs/) agree with the code
// they deploy, since no Docker engine or AWS account runs in CI.
//
// docker-compose.yml is read with go.yaml.in/yaml/v3, the YAML project's
// own maintained fork: YAML's anchors, block scalars and quoting rules
// are not something to parse with code of ours.
package deploy
