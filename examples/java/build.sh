#!/usr/bin/env bash
# Rebuilds hello.jar from src/ (needs a JDK: apt-get install openjdk-17-jdk-headless).
set -euo pipefail
cd "$(dirname "$0")"
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
javac --release 11 -d "$classes" src/Hello.java
jar --create --file hello.jar --main-class Hello --date 2026-01-01T00:00:00Z -C "$classes" .
