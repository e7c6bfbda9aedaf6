"""The Microsoft Teams adapter: botbuilder's CloudAdapter at `POST /api/messages`, Adaptive
Cards for replies and the proposal form, and `TeamsNotifier` for notices sent later.

`endpoint` is the HTTP side (the route, its answers, mounting it); `access` decides who may
come in (credentials, or the Emulator on loopback) and which addresses may be called back;
`workers` holds the threads everything runs on; `turn` runs one admitted activity through
the core; `inbound` turns an activity into a command; `cards` draws replies; `references`
turns what reaches people later into documents the core keeps; `retry` paces and retries
calls; `notifier` sends notices; `package` builds the Teams app package. Every botbuilder
import of ogpbot stays inside this package.
"""
