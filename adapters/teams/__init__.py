"""The Microsoft Teams adapter: botbuilder's CloudAdapter at `POST /api/messages`, Adaptive
Cards for replies and the proposal form, and `TeamsNotifier` for notices sent later.

`endpoint` mounts it; `inbound` turns activities into commands; `cards` draws replies;
`references` keeps what is needed to reach people later; `retry` paces and retries calls;
`notifier` sends notices. Every botbuilder import of ogpbot stays inside this package.
"""
