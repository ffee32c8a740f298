"""Great Expectations suites as code, and the runner that validates them inside the warehouse."""

import warnings

# With the `spark` extra installed GX imports pyspark, which warns on import that it does not support pandas 3: two
# lines in every run's console about a library no suite here uses (Spark's marts are validated on their extract).
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
