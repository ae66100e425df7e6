"""Running Kaizen's workflows for real on one machine: nektos/act in host mode, a consumer
repository made for the run, and offline stand-ins for the third-party actions."""
