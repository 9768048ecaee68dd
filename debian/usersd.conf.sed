# usersd.conf.sed -- the package's /etc/usersd/usersd.conf, from
# deploy/usersd.conf.example (debian/rules): its own role and run_dir.
s|^db = \(.*\) user=usersd_service$|# No user=: the role is the name of the OS user that runs usersd (peer\
# authentication): usersd for the master, www-data under Apache mod_fcgid\
# (usersd-db-setup creates both: usersd-db-setup(8)).\
db = \1|
s|^#run_dir = /run/usersd$|run_dir = /run/usersd|
