#!/bin/sh
# deb: remove the ferry CLI link (only when it still points into the app)
if [ "$(readlink /usr/bin/ferry)" = '/opt/Ferry/resources/cli/ferry' ]; then rm -f /usr/bin/ferry; fi
