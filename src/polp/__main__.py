from polp.cli import main

main()
