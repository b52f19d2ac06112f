from django.contrib import admin

admin.site.site_header = "Partnership Monitor administration"
admin.site.site_title = "Partnership Monitor"
admin.site.index_title = "Plans, people, indicators and funding"
