"""Operations tooling: backup and restore, the ranking and import benchmarks. Not the product."""
