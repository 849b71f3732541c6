@echo off
rem ferry: the command-line tool shipped inside the Ferry app; runs the bundled CLI with the app's runtime.
rem Put this folder (resources\cli under the install folder) on PATH to type ferry anywhere.
setlocal
set ELECTRON_RUN_AS_NODE=1
"%~dp0..\..\Ferry.exe" "%~dp0ferry.mjs" %*
