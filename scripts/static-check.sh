#!/bin/sh
# Static analysis of the hypervisor sources (cppcheck), as part of make test.
# Exit status 0 means clean.
set -eu
cd "$(dirname "$0")/.."
exec cppcheck --quiet --enable=warning,performance,portability --error-exitcode=1 \
	--inline-suppr --std=c11 --platform=unix64 -D__x86_64__ -D__GNUC__ \
	-Ihv -Iinclude hv
