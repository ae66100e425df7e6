"""One module per composite action in actions/, named after its folder; each reads its inputs
(KAIZEN_* variables from the action.yml) and has a run(). They import only building blocks."""
