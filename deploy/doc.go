// Package deploy holds no code: its tests check that the deployment files
// (the Dockerfile, docker-compose.yml and deploy/ecs/) agree with the code
// they deploy, since no Docker engine or AWS account runs in CI.
package deploy
