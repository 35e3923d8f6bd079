from newsreel.cli import main

main()
