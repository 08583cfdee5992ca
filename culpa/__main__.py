from culpa.cli.main import main

main()
