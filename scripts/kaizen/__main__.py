from kaizen.main import main

raise SystemExit(main())
