-- Runs after 01-sample-schema.sql on the first start of the MariaDB container. The image's
-- entrypoint created the sqlcache user (MARIADB_USER) without privileges; give it the two
-- sample databases, as deploy/local/mariadb.sh does for the local server.
GRANT ALL PRIVILEGES ON tutorial.* TO 'sqlcache'@'%';
GRANT ALL PRIVILEGES ON sbtest.* TO 'sqlcache'@'%';
