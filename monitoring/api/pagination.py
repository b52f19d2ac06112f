"""Pages of the API's lists: `?page=2&page_size=200`, 100 a page unless asked, never more than 500."""

from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500
