"""`python -m tracking_plan`: the same command as `tidepool-metrics-plan` (plan.py)."""

import sys

from tracking_plan.plan import main

sys.exit(main())
