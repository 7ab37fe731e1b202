from rights.cli import main

main()
