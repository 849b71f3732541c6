#!/bin/sh
# deb: put the bundled ferry CLI on PATH
ln -sf '/opt/Ferry/resources/cli/ferry' /usr/bin/ferry
